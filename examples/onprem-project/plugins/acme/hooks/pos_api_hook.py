"""Hook for the POS vendor's SOAP management API.

The POS back office (RetailPoint 9) exposes store status, till status and
price-file acknowledgements only over SOAP. We use it to find stores whose
end-of-day batch never left the till controller.

Note: there is no __init__.py in acme/hooks/; on the VMs this still imports
as a namespace package.
"""
import logging

import zeep
from zeep.transports import Transport
from requests import Session

from airflow.hooks.base_hook import BaseHook

log = logging.getLogger(__name__)

DEFAULT_WSDL = "http://pos-api.corp.acme.local:8080/RetailPoint/Management?wsdl"


class PosApiHook(BaseHook):
    """Thin wrapper around the zeep client with our connection conventions."""

    conn_name_attr = "pos_api_conn_id"
    default_conn_name = "pos_api_default"
    conn_type = "http"
    hook_name = "RetailPoint POS API"

    def __init__(self, pos_api_conn_id=default_conn_name, timeout=60):
        super(PosApiHook, self).__init__()
        self.pos_api_conn_id = pos_api_conn_id
        self.timeout = timeout
        self._client = None

    def get_conn(self):
        if self._client is None:
            conn = self.get_connection(self.pos_api_conn_id)
            wsdl = conn.extra_dejson.get("wsdl", DEFAULT_WSDL)
            session = Session()
            session.auth = (conn.login, conn.password)
            # The vendor's cert is signed by our internal CA.
            session.verify = conn.extra_dejson.get("ca_bundle", "/etc/pki/tls/certs/acme-ca.pem")
            self._client = zeep.Client(wsdl, transport=Transport(session=session, timeout=self.timeout))
        return self._client

    def store_status(self, store_id):
        return self.get_conn().service.GetStoreStatus(StoreId=store_id)

    def stores_missing_eod(self, business_date):
        """Store ids whose end-of-day batch is not acknowledged for ``business_date``."""
        result = self.get_conn().service.ListEodBatches(BusinessDate=business_date)
        missing = [b.StoreId for b in result.Batches if b.Status != "ACKNOWLEDGED"]
        log.info("%d stores missing EOD for %s", len(missing), business_date)
        return missing
