"""The service's store: the canonical tables in a SQL database (SQLite file by default, PostgreSQL by URL).

* :mod:`~carenet.service.store.tables` - SQLAlchemy tables built from the canonical Arrow schemas;
* :mod:`~carenet.service.store.database` - :func:`open_store` (connects, migrates to the latest revision);
* :mod:`~carenet.service.store.transfer` - :func:`load_dataset` and :func:`export_dataset`.
"""

from carenet.service.store.database import Store, StoreError, open_store, store_url
from carenet.service.store.tables import CANONICAL, METADATA
from carenet.service.store.transfer import export_dataset, load_dataset

__all__ = ["CANONICAL", "METADATA", "Store", "StoreError", "export_dataset", "load_dataset", "open_store",
           "store_url"]
