"""Access: policies as data (``policies``), evaluated for every request over relationships, agreements and consents
(``decide``), one gate that decides and audits (``guard``), the matrix (``matrix``), administration routes
(``routes``), and the agreements, consents and break-glass reviews (``tables``)."""
