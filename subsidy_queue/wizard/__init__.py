from . import subsidy_entry_void
from . import subsidy_withdrawal_reject
