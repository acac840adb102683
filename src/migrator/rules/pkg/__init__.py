"""PKG: the checks of the bundle ``migrator package`` builds (``migrator.bundle``), one rule per
check code. ``scan`` runs none of them; the bundle reports them as ``BundleCheck``s."""
