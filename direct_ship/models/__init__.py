from . import res_company
from . import res_config_settings
from . import res_partner
from . import product
from . import direct_ship_parcel
from . import purchase_order
from . import sale_order
from . import direct_ship_supplier_stat
