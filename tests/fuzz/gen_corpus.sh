#!/bin/sh
# Regenerates the fuzzers' seed corpora: corpus/msgpack from the golden byte
# vectors of protocol.md section 4.2 (the same bytes as
# tests/values/msgpack_test.cc), corpus/json from the RawState shapes of 4.5.
# Usage: tests/fuzz/gen_corpus.sh  (from anywhere)
set -eu
out="$(dirname "$0")/corpus/msgpack"
mkdir -p "$out"

# The 6-attribute config object, with one attribute's encoding replaceable.
config() {
  dyn=${DYN:-'\222\304\010"string"\245hello'}
  name=${NAME:-'\245alpha'}
  rule=${RULE:-'\221\201\244port\120'}
  size=${SIZE:-'\300'}
  printf '\206\243dyn'"$dyn"'\242id\300\244name'"$name"'\244rule'"$rule"'\244size'"$size"'\244tags\201\241k\241v'
}

config > "$out/config"
NAME='\324\000\000' config > "$out/config_name_unknown"
RULE='\220' config > "$out/config_no_rules"
SIZE='\313\100\012\000\000\000\000\000\000' config > "$out/config_size_float"
SIZE='\2430.1' config > "$out/config_size_decimal"
SIZE='\371' config > "$out/config_size_negative"
SIZE='\26412345678901234567890' config > "$out/config_size_big"
DYN='\222\304\071["object",{"a":"number","b":["tuple",["bool","string"]]}]\202\241a\001\241b\222\303\241x' \
  config > "$out/config_dyn_object"
DYN='\222\304\021["list","string"]\221\241a' config > "$out/config_dyn_list"
NAME='\307\011\014\202\001\302\002\244pre-' config > "$out/config_name_refined"
SIZE='\307\003\014\201\001\302' config > "$out/config_size_refined"

printf '\324\000\000' > "$out/unknown"
printf '\300' > "$out/null"
printf '\222\304\021["list","string"]\221\241a' > "$out/dynamic_list"
printf '\307\013\014\203\001\302\003\222\001\303\004\222\012\302' > "$out/number_bounds"
printf '\223\222\304\010"number"\001\324\000\000\300' > "$out/list_of_dynamic"
printf '\201\241s\223\001\2430.1\313\077\340\000\000\000\000\000\000' > "$out/map_of_sets"
printf '\223\303\241x\317\377\377\377\377\377\377\377\377' > "$out/tuple"

# Seeds for json_fuzzer: the RawState shapes of protocol.md 4.5 and types.
json="$(dirname "$0")/corpus/json"
mkdir -p "$json"
printf '{\n  "dyn": {\n    "value": "hello",\n    "type": "string"\n  },\n  "id": "ws-1",\n  "rule": [\n    {\n      "port": 80\n    }\n  ],\n  "size": 12345678901234567890,\n  "tags": {\n    "k": "v"\n  },\n  "on": true\n}\n' > "$json/state_pretty"
printf '{"dyn":{"value":{"a":0.1,"b":[true,"x"]},"type":["object",{"a":"number","b":["tuple",["bool","string"]]}]},"id":null,"rule":[],"size":1e400,"tags":{},"on":"false"}' > "$json/state_compact"
printf '["object",{"a":"number","b":["list",["set","dynamic"]]},["a"]]' > "$json/type_object"
printf '[1,2.5,"3",-0.000001]' > "$json/set"
printf '["\\ud83d\\ude00 \\u00e9\\n",{"value":null,"type":"bool"}]' > "$json/tuple"
