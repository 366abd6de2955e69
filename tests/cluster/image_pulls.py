"""Image pulls that fail, as a kubelet 1.20 with containerd reports them.

Part of the node simulator (node_simulator.py), Python 3 standard library
only. No image is pulled anywhere: an image reference decides the outcome.

* An image on a *missing* registry host, or with a *missing* tag, does not
  exist: containerd answers gRPC NotFound, ``rpc error: code = NotFound desc
  = failed to pull and unpack image "REF": failed to resolve reference
  "REF": REF: not found`` (REF is the normalized reference, e.g.
  ``docker.io/library/x:latest``). No retry fixes it.
* An image on an *unreachable* registry host times out (``dial tcp ...: i/o
  timeout``): a transient cause that a later retry could fix.
* Every other image pulls.

The kubelet (pkg/kubelet/images/image_manager.go, kuberuntime_container.go)
reports a failed pull with the events Normal Pulling ``Pulling image "X"``,
Warning Failed ``Failed to pull image "X": <error>`` and Warning Failed
``Error: ErrImagePull``, and the container waits with reason ErrImagePull
and the error as its message. During the back-off that follows it posts
Normal BackOff ``Back-off pulling image "X"`` and Warning Failed ``Error:
ImagePullBackOff``, and the container waits with reason ImagePullBackOff
and message ``Back-off pulling image "X"``; then it pulls again. X is the
image as the pod spec writes it.
"""

DEFAULT_MISSING_REGISTRIES = ("missing.cvm.test",)
DEFAULT_MISSING_TAGS = ("does-not-exist",)
DEFAULT_UNREACHABLE_REGISTRIES = ("unreachable.cvm.test",)

ERR_IMAGE_PULL = "ErrImagePull"
IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
# Where an unreachable registry's host "resolves" (TEST-NET-1, never routed).
UNREACHABLE_ADDRESS = "192.0.2.10:443"


def parse_reference(image):
    """Splits an image reference as Docker normalizes it.

    Returns (domain, repository, tag, digest, normalized): domain defaults to
    docker.io (with library/ for one-component names), tag to "latest" when
    there is neither tag nor digest.
    """
    name, _, digest = image.partition("@")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        domain, remainder = first, rest
    else:
        domain, remainder = "docker.io", name
        if "/" not in remainder:
            remainder = "library/" + remainder
    repository, tag = remainder, ""
    last = remainder.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = remainder.rsplit(":", 1)
    if not tag and not digest:
        tag = "latest"
    normalized = f"{domain}/{repository}" + (f":{tag}" if tag else "") + \
        (f"@{digest}" if digest else "")
    return domain, repository, tag, digest, normalized


class PullRules:
    """Which images fail to pull, and with what containerd error."""

    def __init__(self, missing_registries=DEFAULT_MISSING_REGISTRIES,
                 missing_tags=DEFAULT_MISSING_TAGS,
                 unreachable_registries=DEFAULT_UNREACHABLE_REGISTRIES):
        self.missing_registries = {h.lower() for h in missing_registries}
        self.missing_tags = set(missing_tags)
        self.unreachable_registries = {h.lower() for h in unreachable_registries}

    @classmethod
    def from_config(cls, config, args=None):
        """From the config's "imagePulls" entry (each list defaults to the
        DEFAULT_* above when absent) plus the command line's additions."""
        section = config.get("imagePulls", {})

        def merged(key, default, extra):
            return list(section.get(key, default)) + list(extra or [])
        return cls(
            merged("missingRegistries", DEFAULT_MISSING_REGISTRIES,
                   getattr(args, "missing_registry", None)),
            merged("missingTags", DEFAULT_MISSING_TAGS, getattr(args, "missing_tag", None)),
            merged("unreachableRegistries", DEFAULT_UNREACHABLE_REGISTRIES,
                   getattr(args, "unreachable_registry", None)))

    def error(self, image):
        """containerd's error (as the kubelet quotes it) for pulling image, or
        None when the pull succeeds."""
        domain, repository, tag, _, ref = parse_reference(image)
        prefix = (f'failed to pull and unpack image "{ref}": '
                  f'failed to resolve reference "{ref}": ')
        if domain.lower() in self.missing_registries or tag in self.missing_tags:
            return f"rpc error: code = NotFound desc = {prefix}{ref}: not found"
        if domain.lower() in self.unreachable_registries:
            return (f"rpc error: code = Unknown desc = {prefix}failed to do request: "
                    f'Head "https://{domain}/v2/{repository}/manifests/{tag or "latest"}": '
                    f"dial tcp {UNREACHABLE_ADDRESS}: i/o timeout")
        return None

    def failing_containers(self, pod):
        """The containers whose pulls fail, as (list, container, error) in the
        order the kubelet tries them: the first init container whose pull
        fails (the ones before it completed, the rest wait), else every
        container whose pull fails."""
        spec = pod["spec"]
        for c in spec.get("initContainers") or []:
            error = self.error(c.get("image", ""))
            if error:
                return [("initContainers", c, error)]
        return [("containers", c, self.error(c.get("image", "")))
                for c in spec.get("containers") or [] if self.error(c.get("image", ""))]


def attempt_events(image, error):
    """(type, reason, message) of one failed pull, in the kubelet's order."""
    return [("Normal", "Pulling", f'Pulling image "{image}"'),
            ("Warning", "Failed", f'Failed to pull image "{image}": {error}'),
            ("Warning", "Failed", f"Error: {ERR_IMAGE_PULL}")]


def back_off_message(image):
    """The kubelet's message while it backs off pulling image."""
    return f'Back-off pulling image "{image}"'


def back_off_events(image):
    """(type, reason, message) of a sync during the back-off."""
    return [("Normal", "BackOff", back_off_message(image)),
            ("Warning", "Failed", f"Error: {IMAGE_PULL_BACK_OFF}")]


def back_off_seconds(first, attempt, cap=30.0):
    """Seconds between pull attempt `attempt` (0-based) and the next: the
    kubelet's back-off doubles from `first` up to a cap."""
    return min(first * (2 ** attempt), max(cap, first))
