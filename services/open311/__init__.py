"""Open311 GeoReport v2: the open standard that lets existing 311 clients and dashboards list
our services, submit service requests and follow their status.

Mounted at ``/open311/v2/``; see ``docs/open311.md``. The admin registration of API keys is
imported from ``services.apps.ServicesConfig.ready``.
"""
