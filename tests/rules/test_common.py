

def test_frozen_mapping_survives_pickle():
    """Fix data crosses process boundaries and the scan cache; it must come back intact."""
    import pickle

    from migrator.rules._common import FrozenMapping

    mapping = FrozenMapping({"postgres_conn_id": "conn_id"})
    copy = pickle.loads(pickle.dumps(mapping))
    assert copy == mapping and type(copy) is FrozenMapping and hash(copy) == hash(mapping)
