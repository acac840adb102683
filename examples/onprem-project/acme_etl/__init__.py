"""Shared analytics code of the marketing team (on PYTHONPATH on the VMs)."""
