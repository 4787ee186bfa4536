"""What this capability adds to the schema."""

from api.auth.mutations import AuthMutation
from api.auth.payloads import AuthError
from api.core.capability import Capability

CAPABILITY = Capability(mutation=AuthMutation, types=(AuthError,))
