# Import by namespace name.
terraform import cvm_cluster_settings.main coder-workspaces
