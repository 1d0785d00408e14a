from . import test_choice
from . import test_direct_ship
from . import test_direct_ship_concurrency
from . import test_supplier_portal
from . import test_i18n
from . import test_sale_changes
from . import test_access
from . import test_journey
