from . import test_engine
from . import test_engine_properties
from . import test_order_flow
