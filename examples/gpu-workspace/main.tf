# A GPU workspace: NVIDIA only, envbox mode, bare-metal cluster, no caching.
terraform {
  required_providers {
    cvm = {
      source = "cvm/cvm"
    }
  }
}

variable "kubeconfig" {
  type = string
}

provider "cvm" {
  config_path = var.kubeconfig
}

resource "cvm_cluster_settings" "gpu" {
  namespace        = "gpu-workspaces"
  manage_namespace = true
  gpu_vendor       = "nvidia"
  caching          = false # GPUs are not supported with cached CVMs
}

resource "cvm_workspace" "ml" {
  name                = "ml-1"
  namespace           = cvm_cluster_settings.gpu.namespace
  cluster_settings_id = cvm_cluster_settings.gpu.id
  inner_image         = "docker.io/codercom/enterprise-base:ubuntu"

  gpu {
    count        = 1
    host_lib_dir = "/usr/lib/x86_64-linux-gnu" # /usr/lib64 on RHEL and Amazon Linux
  }
  cpu {
    limit = "8"
  }
  memory {
    limit = "32Gi"
  }
  home {
    size = "100Gi"
  }
}
