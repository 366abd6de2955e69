resource "cvm_workspace" "dev" {
  name        = "alice-dev"
  namespace   = "coder-workspaces"
  inner_image = "docker.io/codercom/enterprise-base:ubuntu"

  agent_token      = var.agent_token # write-only: never stored in state
  agent_url        = "https://coder.example.com"
  bootstrap_script = var.init_script # in a Coder template: coder_agent.main.init_script

  cpu {
    request = "1"
    limit   = "4"
  }
  memory {
    request = "2Gi"
    limit   = "8Gi"
  }
  home {
    size = "50Gi"
  }

  mounts = [
    { source = "projects", target = "/workspace" },
  ]
  env_passthrough = ["KUBERNETES_*"]

  timeouts {
    create = "15m"
  }
}

variable "agent_token" {
  type      = string
  sensitive = true
}

variable "init_script" {
  type        = string
  description = "Script that starts the agent inside the workspace."
}
