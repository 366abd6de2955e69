# Read the settings a platform team applied in another Terraform state.
data "cvm_cluster_settings" "ws" {
  namespace = "coder-workspaces"
}

output "cached_cvms" {
  value = data.cvm_cluster_settings.ws.caching
}
