from . import test_pos_entries
from . import test_pos_balance
from . import test_pos_refunds
from . import test_pos_concurrency
from . import test_pos_collect
from . import test_pos_ui
from . import test_pos_outside_attack
from . import test_i18n
