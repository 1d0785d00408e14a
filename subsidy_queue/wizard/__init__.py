from . import subsidy_entry_void
