# The README's main job: cluster settings and one envbox workspace on the
# local control plane (tests/cluster/start.sh).
terraform {
  required_providers {
    cvm = {
      source = "cvm/cvm"
    }
  }
}

variable "kubeconfig" {
  type        = string
  description = "Path to the kubeconfig of the cluster."
}

variable "caching" {
  type    = bool
  default = true
}

provider "cvm" {
  config_path = var.kubeconfig
}

resource "cvm_cluster_settings" "main" {
  namespace        = "coder"
  manage_namespace = true
  caching          = var.caching
}

resource "cvm_workspace" "dev" {
  name                = "quickstart"
  namespace           = cvm_cluster_settings.main.namespace
  cluster_settings_id = cvm_cluster_settings.main.id
  inner_image         = "docker.io/codercom/enterprise-base:ubuntu"
  agent_token         = "quickstart-token"

  cpu {
    limit = "2"
  }
  memory {
    limit = "4Gi"
  }
}

output "pod" {
  value = "${cvm_workspace.dev.namespace}/${cvm_workspace.dev.pod_name} on ${cvm_workspace.dev.node_name} (${cvm_workspace.dev.phase})"
}

output "host_path_mounts" {
  value = cvm_workspace.dev.host_path_mounts
}
