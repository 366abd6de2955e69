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
  # From the immutable workspace id: renaming the workspace or its owner in
  # Coder must not plan a new workspace (and a new, empty home volume).
  name      = "coder-${data.coder_workspace.me.id}"
  namespace = "coder-workspaces"

  inner_image      = "docker.io/codercom/enterprise-base:ubuntu"
  inner_hostname   = lower(data.coder_workspace.me.name)
  agent_token      = coder_agent.main.token
  agent_url        = data.coder_workspace.me.access_url
  bootstrap_script = coder_agent.main.init_script

  # Stop deletes the pod and keeps the home volume; never use count here.
  running = data.coder_workspace.me.start_count == 1

  # The pod's identity in the cloud (IRSA, workload identity): a
  # ServiceAccount created once per namespace by the platform team. The
  # workspace has no use for a Kubernetes API token.
  service_account_name            = "coder-workspace"
  automount_service_account_token = false

  cpu {
    limit = "4"
  }
  memory {
    limit = "8Gi"
  }
  home {
    size = "50Gi"
    annotations = {
      "com.coder.user.email" = data.coder_workspace_owner.me.email
    }
  }
  labels = {
    "com.coder.workspace.id"   = data.coder_workspace.me.id
    "com.coder.workspace.name" = data.coder_workspace.me.name
    "com.coder.user.username"  = data.coder_workspace_owner.me.name
    "com.coder.user.id"        = data.coder_workspace_owner.me.id
  }

  # The corporate CA, from a Secret the platform team keeps in the
  # namespace (key ca.crt): envbox trusts it when it pulls inner_image and
  # talks to Coder, and the workspace user can read it in
  # /usr/local/share/ca-certificates/corp (`sudo update-ca-certificates`).
  volume {
    name   = "corp-ca"
    target = "/usr/local/share/ca-certificates/corp"
    secret {
      name = "corp-ca"
    }
  }
  envbox {
    extra_certs_volume = "corp-ca"
    extra_certs_file   = "ca.crt"
  }

  # Spreads the owner's workspaces across nodes, as Coder's kubernetes
  # template does: a node already running one of them is avoided when
  # another has room (preferred, so a busy cluster still schedules).
  affinity {
    pod_anti_affinity {
      preferred_during_scheduling_ignored_during_execution {
        weight = 100
        pod_affinity_term {
          topology_key = "kubernetes.io/hostname"
          label_selector {
            match_labels = {
              "com.coder.user.id" = data.coder_workspace_owner.me.id
            }
          }
        }
      }
    }
  }
}
