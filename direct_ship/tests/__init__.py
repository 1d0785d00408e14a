from . import test_choice
from . import test_direct_ship
from . import test_direct_ship_concurrency
from . import test_supplier_portal
from . import test_i18n
