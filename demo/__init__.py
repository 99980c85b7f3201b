"""The SYNTHETIC demo city.

* ``demand``: the generator of a synthetic city's communities, residents and monthly requests
  (plain numpy/pandas, no Django, so the engine's tests and the benches use it too);
* ``city``: writes one such city into the database (``seed_demo``);
* ``context_processors``: the SYNTHETIC notice on every page while the demo city is present.

``demo`` sits above the apps: it may import any of them; no app imports it.
"""
