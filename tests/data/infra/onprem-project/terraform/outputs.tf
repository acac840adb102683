output "bucket_name" {
  value = aws_s3_bucket.environment.id
  description = "Upload the bundle here: migrator package --upload s3://BUCKET"
}

output "execution_role_arn" {
  value = aws_iam_role.execution.arn
}

output "environment_arn" {
  value = aws_mwaa_environment.this.arn
}

output "webserver_url" {
  value = aws_mwaa_environment.this.webserver_url
}

output "eks_cluster_name" {
  value = var.eks_cluster_name
  description = "Airflow Variable eks_cluster_name, read by the EKS pod tasks"
}
