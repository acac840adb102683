#!/bin/sh
# MWAA startup script from the MWAA spike (DATA-1433): uploaded by hand to the
# spike environment's bucket next to plugins.zip. Not used by the VMs or the
# compose stack.
#
# Gives the MWAA workers what ansible gives the VMs: the Oracle client libraries
# for cx_Oracle, and the airflow.cfg settings the DAGs were tuned with.

sudo yum -y install libaio

# Instant Client is unpacked from plugins.zip (instantclient_19_10/).
export LD_LIBRARY_PATH=/usr/local/airflow/plugins/instantclient_19_10

# Same sizing as the VMs ([core] parallelism in airflow.cfg).
export AIRFLOW__CORE__PARALLELISM=64
# One environment per team is the platform team's rule for Airflow 3: keep
# multi-team mode off explicitly.
export AIRFLOW__CORE__MULTI_TEAM=False
