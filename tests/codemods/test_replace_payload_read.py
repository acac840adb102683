"""Before/after cases for ``payload-read`` (``op.json["job_clusters"]`` -> ``op.job_clusters``)."""

from __future__ import annotations

from codemod_cases import check, refused

CLUSTERS = {"attribute": "json", "key": "job_clusters"}


def test_a_subscript_and_a_get_become_the_attribute_and_what_follows_stays():
    check(
        """
        class Workflow:
            def tags(self):
                first = self.job_op.json["job_clusters"][0]["new_cluster"]  # the first cluster
                return self.job_op.json.get('job_clusters'), first
        """,
        """
        class Workflow:
            def tags(self):
                first = self.job_op.job_clusters[0]["new_cluster"]  # the first cluster
                return self.job_op.job_clusters, first
        """,
        ("payload-read", 'self.job_op.json["job_clusters"]', CLUSTERS),
        ("payload-read", "self.job_op.json.get('job_clusters')", CLUSTERS),
    )


def test_a_get_with_a_default_another_key_or_a_key_no_attribute_can_name_is_refused():
    assert "read of json['job_clusters']" in refused('clusters = job.json.get("job_clusters", [])\n',
                                                     "payload-read", 'job.json.get("job_clusters", [])', **CLUSTERS)
    assert "read of json['job_clusters']" in refused('tasks = job.json["tasks"]\n', "payload-read",
                                                     'job.json["tasks"]', **CLUSTERS)
    assert "not an attribute name" in refused('x = job.json["job-clusters"]\n', "payload-read",
                                              'job.json["job-clusters"]', attribute="json", key="job-clusters")
