"""What this capability adds to the schema."""

from api.core.capability import Capability
from api.membership.mutations import MembershipMutation
from api.membership.payloads import MembershipError
from api.membership.queries import MembershipQuery
from api.membership.types import Membership, PointsEntry

CAPABILITY = Capability(
    query=MembershipQuery,
    mutation=MembershipMutation,
    types=(Membership, PointsEntry, MembershipError),
    list_sizes={"Query.membershipTiers": 5},
)
