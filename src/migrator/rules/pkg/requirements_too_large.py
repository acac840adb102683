"""PKG024: The requirements' wheels are larger than MWAA recommends"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.facts import BundleFacts, PartSize
from migrator.bundle.model import RECOMMENDED_MAX_BYTES, REQUIREMENTS, REQUIREMENTS_LIMIT
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid

if TYPE_CHECKING:
    from migrator.bundle.model import BundleCheck


class RequirementsTooLarge(PackageRule):
    """
    ## What it does
    With `--private-network`, reports requirements whose downloaded wheels add up to more than
    MWAA's recommended maximum (1 GB of libraries).

    ## Why it matters on MWAA
    Every scheduler and worker installs the requirements while it starts; the installation must
    finish within about 10 minutes or the start-up times out and the update rolls back.

    ## Example
    `migrator package --private-network` with requirements whose wheels add up to 1.5 GB (the
    example is the build's facts: no example project downloads a gigabyte); 80 MB is fine.

    ## Fix
    Drop requirements the DAGs do not import, rely on the providers the MWAA image already
    has, and move heavy tools into a container task (ECS or Kubernetes operator).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "PKG024"
    name = "requirements-too-large"
    severity = Severity.ERROR
    summary = "The requirements' wheels are larger than MWAA recommends"
    valid = (Valid(facts=BundleFacts(private_network=True,
                                     wheels_size=PartSize(80 * 1024**2, RECOMMENDED_MAX_BYTES))),)
    invalid = (Invalid(facts=BundleFacts(private_network=True,
                                         wheels_size=PartSize(3 * 1024**3 // 2, RECOMMENDED_MAX_BYTES)),
                       contains="wheels add up to 1.50 GB"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        size = facts.wheels_size
        if size is not None and size.size > size.limit:
            yield self.report(
                f"the requirements' wheels add up to {size.size / 1024**3:.2f} GB; MWAA recommends "
                f"under {REQUIREMENTS_LIMIT.recommended_max_text} (installation must finish "
                f"within about {REQUIREMENTS_LIMIT.start_up_limit_minutes:g} minutes)",
                REQUIREMENTS, in_bundle=True)
