terraform {
  required_providers {
    cvm = {
      source = "cvm/cvm"
    }
  }
}

# The same connection settings as the hashicorp/kubernetes provider.
provider "cvm" {
  config_path    = "~/.kube/config"
  config_context = "workspaces"
}
