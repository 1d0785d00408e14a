from . import portal
from . import api
from . import public
