from . import subsidy_entry_void
from . import subsidy_withdrawal_reject
from . import subsidy_program_projection
from . import subsidy_program_wind_down
from . import subsidy_compliance_export
