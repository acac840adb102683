variable "environment_name" {
  description = "Name of the MWAA environment"
  type        = string
  default     = "acme-retail"
  validation {
    condition     = can(regex("^[a-zA-Z][0-9a-zA-Z\\-_]*$", var.environment_name))
    error_message = "A letter, then letters, digits, hyphens and underscores."
  }
}

variable "subnet_ids" {
  description = "Two private subnets in different Availability Zones (MWAA needs exactly two)"
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the environment (one must allow all traffic from itself)"
  type        = list(string)
}

variable "webserver_access_mode" {
  description = "PRIVATE_ONLY: the Airflow UI only from the VPC; PUBLIC_ONLY: from the internet, signed in through IAM"
  type        = string
  default     = "PRIVATE_ONLY"
  validation {
    condition     = contains(["PRIVATE_ONLY", "PUBLIC_ONLY"], var.webserver_access_mode)
    error_message = "One of PRIVATE_ONLY, PUBLIC_ONLY."
  }
}

variable "eks_cluster_name" {
  description = "Name of the EKS cluster the EksPodOperator tasks run their pods on"
  type        = string
}

variable "plugins_s3_object_version" {
  description = "S3 object version of plugins.zip (printed by `migrator package --upload`); empty: the environment does not read plugins.zip yet"
  type        = string
  default     = ""
}

variable "requirements_s3_object_version" {
  description = "S3 object version of requirements.txt (printed by `migrator package --upload`); empty: the environment does not read requirements.txt yet"
  type        = string
  default     = ""
}

variable "startup_script_s3_object_version" {
  description = "S3 object version of startup.sh (printed by `migrator package --upload`); empty: the environment does not read startup.sh yet"
  type        = string
  default     = ""
}
