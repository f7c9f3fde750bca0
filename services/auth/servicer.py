"""AuthService over gRPC: translate messages, check who is asking, call the domain."""

from __future__ import annotations

import grpc
from court.v1 import auth_pb2, auth_pb2_grpc, common_pb2
from psycopg_pool import ConnectionPool

from services.auth import accounts, validation
from services.auth.clients import client_of
from services.auth.models import NOTICE_FORMAT_NAMES, ROLE_NAMES, ROLES, Account, SecondaryEmail
from services.auth.policy import AuthPolicy
from services.auth.profile import BarSearch, ProfileChange, Profiles
from services.auth.recovery import Recovery
from services.auth.sessions import Sessions
from services.common.court import COURT_STAFF_ROLES
from services.common.errors import CourtError
from services.common.identity import current_caller
from services.common.principal import Principal, require_principal

Context = grpc.ServicerContext
MAX_PAGE = 100


def _page_size(page: common_pb2.PageRequest, default: int = 25) -> int:
    return min(page.page_size or default, MAX_PAGE)


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(
        self,
        *,
        pool: ConnectionPool,
        sessions: Sessions,
        profiles: Profiles,
        recovery: Recovery,
        policy: AuthPolicy,
    ) -> None:
        self._pool = pool
        self._policy = policy
        self._sessions = sessions
        self._profiles = profiles
        self._recovery = recovery

    # -- accounts ------------------------------------------------------------------------

    def Register(
        self, request: auth_pb2.RegisterRequest, context: Context
    ) -> auth_pb2.RegisterResponse:
        created = self._create(request, self_service=True)
        return auth_pb2.RegisterResponse(account=created.to_proto())

    def CreateAccount(
        self, request: auth_pb2.CreateAccountRequest, context: Context
    ) -> auth_pb2.CreateAccountResponse:
        require_principal("admin")
        created = self._create(request, self_service=False)
        return auth_pb2.CreateAccountResponse(account=created.to_proto())

    def _create(
        self,
        request: auth_pb2.RegisterRequest | auth_pb2.CreateAccountRequest,
        *,
        self_service: bool,
    ) -> Account:
        new_account = accounts.validate_new_account(
            username=request.username,
            password=request.password,
            name=request.name,
            email=request.email,
            role=ROLE_NAMES.get(request.role, "unspecified"),
            bar_number=request.bar_number,
            bar_state=request.bar_state,
            firm=request.firm,
            address=request.address,
        )
        with self._pool.connection() as conn, conn.transaction():
            return accounts.register(
                conn, new_account, self_service=self_service, policy=self._policy
            )

    # -- sessions ------------------------------------------------------------------------

    def Login(self, request: auth_pb2.LoginRequest, context: Context) -> auth_pb2.LoginResponse:
        session = self._sessions.login(
            username=request.username[:200],
            password=request.password[:1024],
            otp=request.otp[:32],
            continue_existing=request.continue_existing,
            client=client_of(context),
        )
        response = auth_pb2.LoginResponse(token=session.token, account=session.account.to_proto())
        response.expires_at.FromDatetime(session.expires_at)
        return response

    def Logout(self, request: auth_pb2.LogoutRequest, context: Context) -> auth_pb2.LogoutResponse:
        token = current_caller().session_token
        if not token:
            raise CourtError("unauthenticated", "log in first")
        self._sessions.logout(token)
        return auth_pb2.LogoutResponse()

    def ValidateSession(
        self, request: auth_pb2.ValidateSessionRequest, context: Context
    ) -> auth_pb2.ValidateSessionResponse:
        principal, expires_at = self._sessions.validate(request.token)
        response = auth_pb2.ValidateSessionResponse(account=summary(principal))
        response.expires_at.FromDatetime(expires_at)
        return response

    # -- my account ----------------------------------------------------------------------

    def GetProfile(
        self, request: auth_pb2.GetProfileRequest, context: Context
    ) -> auth_pb2.GetProfileResponse:
        principal = require_principal()
        return auth_pb2.GetProfileResponse(
            account=self._profiles.get(principal.account_id).to_proto()
        )

    def UpdateProfile(
        self, request: auth_pb2.UpdateProfileRequest, context: Context
    ) -> auth_pb2.UpdateProfileResponse:
        principal = require_principal()
        change = ProfileChange(
            email=request.email if request.HasField("email") else None,
            address=request.address if request.HasField("address") else None,
            firm=request.firm if request.HasField("firm") else None,
            notice_format=(
                NOTICE_FORMAT_NAMES.get(request.notice_format, "invalid")
                if request.HasField("notice_format")
                else None
            ),
            notices_enabled=(
                request.notices_enabled if request.HasField("notices_enabled") else None
            ),
            secondary_emails=(
                [
                    SecondaryEmail(s.email, None if s.all_cases else tuple(s.case_numbers))
                    for s in request.secondary_emails.emails
                ]
                if request.HasField("secondary_emails")
                else None
            ),
        )
        account = self._profiles.update(
            principal,
            change,
            current_password=request.current_password,
            otp=request.otp,
            client=client_of(context),
        )
        return auth_pb2.UpdateProfileResponse(account=account.to_proto())

    def EnrollMfa(
        self, request: auth_pb2.EnrollMfaRequest, context: Context
    ) -> auth_pb2.EnrollMfaResponse:
        secret, uri = self._profiles.enroll_mfa(
            require_principal(), current_password=request.current_password, otp=request.otp
        )
        return auth_pb2.EnrollMfaResponse(secret=secret, otpauth_uri=uri)

    def RemoveMfa(
        self, request: auth_pb2.RemoveMfaRequest, context: Context
    ) -> auth_pb2.RemoveMfaResponse:
        self._profiles.remove_mfa(
            require_principal(), current_password=request.current_password, otp=request.otp
        )
        return auth_pb2.RemoveMfaResponse()

    def ChangePassword(
        self, request: auth_pb2.ChangePasswordRequest, context: Context
    ) -> auth_pb2.ChangePasswordResponse:
        self._profiles.change_password(
            require_principal(),
            current_password=request.current_password,
            otp=request.otp,
            new_password=request.new_password,
        )
        return auth_pb2.ChangePasswordResponse()

    def ConfirmMfa(
        self, request: auth_pb2.ConfirmMfaRequest, context: Context
    ) -> auth_pb2.ConfirmMfaResponse:
        self._profiles.confirm_mfa(require_principal(), request.otp[:32])
        return auth_pb2.ConfirmMfaResponse()

    def ApplyEfiler(
        self, request: auth_pb2.ApplyEfilerRequest, context: Context
    ) -> auth_pb2.ApplyEfilerResponse:
        self._profiles.apply_efiler(require_principal())
        return auth_pb2.ApplyEfilerResponse(efiler_status=auth_pb2.EFILER_STATUS_PENDING)

    # -- court staff ---------------------------------------------------------------------

    def ApproveEfiler(
        self, request: auth_pb2.ApproveEfilerRequest, context: Context
    ) -> auth_pb2.ApproveEfilerResponse:
        clerk = require_principal(*COURT_STAFF_ROLES)
        account = self._profiles.approve_efiler(clerk, request.account_id)
        return auth_pb2.ApproveEfilerResponse(account=account.to_proto())

    def ListEfilerApplications(
        self, request: auth_pb2.ListEfilerApplicationsRequest, context: Context
    ) -> auth_pb2.ListEfilerApplicationsResponse:
        require_principal(*COURT_STAFF_ROLES)
        pending = self._profiles.pending_efilers(limit=_page_size(request.page, MAX_PAGE))
        return auth_pb2.ListEfilerApplicationsResponse(accounts=[a.to_proto() for a in pending])

    # -- recovery and search ---------------------------------------------------------------

    def RequestCredentialReissue(
        self, request: auth_pb2.RequestCredentialReissueRequest, context: Context
    ) -> auth_pb2.RequestCredentialReissueResponse:
        self._recovery.request_reissue(request.email[:320], client=client_of(context))
        return auth_pb2.RequestCredentialReissueResponse()

    def ResetPassword(
        self, request: auth_pb2.ResetPasswordRequest, context: Context
    ) -> auth_pb2.ResetPasswordResponse:
        self._recovery.reset_password(request.token, request.new_password)
        return auth_pb2.ResetPasswordResponse()

    def ConfirmEmail(
        self, request: auth_pb2.ConfirmEmailRequest, context: Context
    ) -> auth_pb2.ConfirmEmailResponse:
        return auth_pb2.ConfirmEmailResponse(email=self._profiles.confirm_email(request.token))

    def IssueMailToken(
        self, request: auth_pb2.IssueMailTokenRequest, context: Context
    ) -> auth_pb2.IssueMailTokenResponse:
        if current_caller().service != "notify":
            raise CourtError("forbidden", "only the notify service may do this")
        token_id = validation.uuid_text(request.token_id, "token_id")
        return auth_pb2.IssueMailTokenResponse(token=self._recovery.issue_mail_token(token_id))

    def SearchAttorneys(
        self, request: auth_pb2.SearchAttorneysRequest, context: Context
    ) -> auth_pb2.SearchAttorneysResponse:
        # Public, like the court's bar search: no session; limited per client instead.
        search = BarSearch(
            name=request.name,
            bar_number=request.bar_number,
            bar_state=request.bar_state,
            limit=_page_size(request.page),
        )
        found = self._profiles.search_attorneys(search, client=client_of(context))
        return auth_pb2.SearchAttorneysResponse(attorneys=found)


def summary(principal: Principal) -> auth_pb2.AccountSummary:
    return auth_pb2.AccountSummary(
        account_id=principal.account_id,
        username=principal.username,
        name=principal.name,
        role=ROLES[principal.role],
        efiler_approved=principal.efiler_approved,
        mfa_enrolled=principal.mfa_enrolled,
        session_id=principal.session_id,
    )
