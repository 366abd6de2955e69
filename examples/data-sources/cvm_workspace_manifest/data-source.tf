# Render a workspace's objects for a GitOps repository, with no API call.
data "cvm_workspace_manifest" "dev" {
  name        = "alice-dev"
  namespace   = "coder-workspaces"
  inner_image = "docker.io/codercom/enterprise-base:ubuntu"

  cpu {
    limit = "4"
  }
  memory {
    limit = "8Gi"
  }

  cluster_settings {
    caching = true
  }
}

output "manifests" {
  value = data.cvm_workspace_manifest.dev.yaml
}
