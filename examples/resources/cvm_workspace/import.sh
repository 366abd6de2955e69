# Import by namespace/name (only workspaces created by this provider).
terraform import cvm_workspace.dev coder-workspaces/alice-dev
