# CVM settings for the namespace that hosts the workspaces.
resource "cvm_cluster_settings" "main" {
  namespace        = "coder-workspaces"
  manage_namespace = true # create it and label it pod-security=privileged

  caching           = true
  auto_load_shiftfs = false

  docker_bridge_cidr = "172.19.0.0/30"
  tun                = true
  fuse               = true

  runtime_class {
    manage = true # own the sysbox-runc RuntimeClass for sysbox-mode workspaces
  }
}
