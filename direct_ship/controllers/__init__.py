from . import portal
from . import api
