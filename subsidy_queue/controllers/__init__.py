from . import portal
from . import portal_devices
from . import api
from . import public
