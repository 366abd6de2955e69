# A Coder template: one CVM workspace per Coder workspace, stopped (pod
# deleted, home kept) when Coder stops the workspace.
terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
    cvm = {
      source = "cvm/cvm"
    }
  }
}

provider "cvm" {
  # In-cluster service account when Coder's provisioner runs in the cluster.
}

data "coder_provisioner" "me" {}
data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

resource "coder_agent" "main" {
  arch = data.coder_provisioner.me.arch
  os   = "linux"
}

resource "cvm_workspace" "main" {
  name      = lower("coder-${data.coder_workspace_owner.me.name}-${data.coder_workspace.me.name}")
  namespace = "coder-workspaces"

  inner_image      = "docker.io/codercom/enterprise-base:ubuntu"
  inner_hostname   = lower(data.coder_workspace.me.name)
  agent_token      = coder_agent.main.token
  agent_url        = data.coder_workspace.me.access_url
  bootstrap_script = coder_agent.main.init_script

  running = data.coder_workspace.me.start_count == 1

  cpu {
    limit = "4"
  }
  memory {
    limit = "8Gi"
  }
  home {
    size = "50Gi"
  }
  labels = {
    "com.coder.workspace.id" = data.coder_workspace.me.id
  }
}
