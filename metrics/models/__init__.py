"""The metrics app's models, one module per concern; imported from here (`metrics.models`)."""

from .imports import ImportJob, ImportPreset  # noqa: F401
from .jobs import RUN_STATUSES, CutKind, JobStatus, PeriodKind, QueuedJob  # noqa: F401
from .kept import (  # noqa: F401
    KeptAccountMrr,
    KeptFirstWon,
    KeptLeadDay,
    KeptMrrBalance,
    KeptMrrMove,
    KeptMrrMovement,
    KeptNewCustomerDay,
    KeptPipeline,
    KeptStamp,
)
from .listings import AccountMovement, DrilldownListing, NewCustomer  # noqa: F401
from .records import (  # noqa: F401
    MONEY,
    Account,
    AccountQuerySet,
    Forecast,
    Lead,
    Opportunity,
    Spend,
    Subscription,
    Team,
)
from .reviews import (  # noqa: F401
    ActionItem,
    Decision,
    ReviewChange,
    ReviewEmail,
    ReviewSubscription,
    WeeklyReview,
)
from .runs import (  # noqa: F401
    MetricRun,
    MetricRunPeriod,
    MetricTarget,
    MetricValue,
    MetricValueSet,
)
from .trust import DataFinding, MetricOwner, QualityCheck, RecordImport  # noqa: F401

# isort: off
# Last: CRM sync's models build on QueuedJob above.
from metrics.sync.models import CrmConnection, SyncCursor, SyncRun, SyncWaiting  # noqa: E402, F401
