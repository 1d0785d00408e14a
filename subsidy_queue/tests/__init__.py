from . import test_engine
from . import test_engine_properties
from . import test_order_flow
from . import test_settlement
from . import test_refunds
from . import test_legitimacy
from . import test_concurrency
from . import test_ui
