"""A submission applied as the JSON API's routes apply theirs: the same application methods,
through the same command runner (occurred-at window, idempotency receipts), as the user.

The instance's ``instanceID`` is the idempotency key, so Collect resending after a timeout
appends nothing. A submission that cannot be applied is quarantined whole (raw XML sealed)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from adapters.idempotency import request_fingerprint
from api.commands import CommandRunner
from api.errors import IdempotencyKeyReused
from api.openrosa import mapper
from api.openrosa.catalog import forms
from api.openrosa.mapper import Instance, Need, Registration, Unreadable, Visit, derived_id
from api.schemas.households import RegisterHousehold
from domain.access.area import Area
from domain.access.policy import Forbidden
from domain.access.principal import Principal
from domain.context import CommandContext, Written
from domain.errors import AlreadyExists, DomainError, InvalidCommand, NotFoundError, RuleViolation
from domain.households.model import Household
from domain.profile import validate_profile
from domain.sukuma import Sukuma

#: Where the receipts of OpenRosa submissions say they came from (their fingerprint's path).
SUBMISSION_PATH = "/openrosa/submission"


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outcome:
    status: int
    message: str
    field: str | None = None
    household_id: UUID | None = None


class Refused(Exception):
    """A command the runner refused (and, under the instance's key, kept the answer of: a
    resend gets the same): the JSON API's answer, and the form's field it names."""

    def __init__(self, answer: JSONResponse) -> None:
        self.answer = answer
        body = orjson.loads(bytes(answer.body))
        detail = body.get("detail")
        self.status = 403 if answer.status_code in (403, 404) else 400
        if isinstance(detail, list) and detail:  # a validation detail: loc names the field
            steps = [str(s) for s in detail[0].get("loc", [])[1:]]
            self.field = ".".join(steps).replace(".[", "[") or "xml_submission_file"
            self.message = str(detail[0].get("msg", ""))
        else:
            self.field = "household_id" if self.status == 403 else str(body.get("rule", "id"))
            self.message = str(detail)
        super().__init__(f"{self.field}: {self.message}")


@dataclass(frozen=True)
class Submitter:
    application: Sukuma
    principal: Principal
    window: timedelta
    clock: Callable[[], datetime]
    #: The HTTP request, which the command runner's kept refusals are answered for.
    request: Request | None = None

    def runner(self, xml: bytes, key: str | None) -> CommandRunner:
        return CommandRunner(
            application=self.application,
            actor=self.principal.actor,
            principal=self.principal,
            expected_version=None,
            idempotency_key=key,
            fingerprint=request_fingerprint("POST", SUBMISSION_PATH, xml),
            window=self.window,
            clock=self.clock,
            request=self.request,
        )

    @staticmethod
    def _run(
        runner: CommandRunner,
        aggregate_id: UUID,
        when: datetime | None,
        action: Callable[[CommandContext], Written],
    ) -> None:
        answer = runner.run(aggregate_id, when, action)
        if answer.status_code >= 400:
            raise Refused(answer)

    def submit(self, xml: bytes, uploads: list[Upload]) -> Outcome:
        """Apply the instance, or quarantine it and say which field stopped it."""
        instance: Instance | None = None
        command: mapper.Command | None = None
        try:
            instance = mapper.read_instance(xml, repeats_of)
            _check_version(instance)
            command = mapper.commands_of(instance)
            household_id = self.apply(instance, command, xml, uploads)
        except (Unreadable, InvalidCommand) as exc:
            return self._quarantine(xml, instance, command, 400, exc.field, exc.message)
        except (Forbidden, NotFoundError) as exc:
            return self._quarantine(xml, instance, command, 403, "household_id", str(exc))
        except RuleViolation as exc:
            return self._quarantine(xml, instance, command, 400, exc.rule, exc.message)
        except Refused as exc:
            return self._quarantine(xml, instance, command, exc.status, exc.field, exc.message)
        except (AlreadyExists, IdempotencyKeyReused) as exc:
            message = str(exc) or "this instanceID was sent before with other answers"
            return self._quarantine(xml, instance, command, 400, "meta/instanceID", message)
        return Outcome(201, "Thank you: the submission was recorded.", household_id=household_id)

    def apply(
        self,
        instance: Instance,
        command: mapper.Command,
        xml: bytes,
        uploads: list[Upload],
        key: str | None = None,
    ) -> UUID:
        """Apply the instance's commands (``key``: its idempotency key, the ``instanceID`` by
        default); a refused one raises ``Refused`` or the domain's exception."""
        app = self.application
        runner = self.runner(xml, key or instance.instance_id)
        when = instance.end or instance.start
        if isinstance(command, Registration):
            household = command.household
            assert household.id is not None, "the mapper gives every registration its id"
            # The profile's own checks first: a refused profile must not leave a registration.
            validate_profile(command.profile, runner.occurred(when).date())
            try:  # a retry, or an edit of an applied instance, finds it registered already
                self._register(xml, when, household)
            except AlreadyExists:
                if instance.deprecated_id is None:
                    raise
                # An edit (deprecatedID) that changed what registration recorded: the
                # household stays one, its new profile is the correction.
            self._attach(instance, household.id, command.signature, uploads)
            self._run(
                runner,
                household.id,
                when,
                lambda ctx: app.submit_profile(household.id, command.profile, None, ctx),  # type: ignore[arg-type]
            )
            return household.id
        if isinstance(command, Visit):
            v = command.visit
            self._run(
                runner,
                command.household_id,
                when,
                lambda ctx: app.record_visit(
                    household_id=command.household_id,
                    visit_id=v.visit_id or derived_id(instance.instance_id, "visit"),
                    field_worker_id=None,
                    outcome=v.outcome,
                    days_skipped_meal_last_7=v.days_skipped_meal_last_7,
                    note=v.note,
                    ctx=ctx,
                ),
            )
            return command.household_id
        assert isinstance(command, Need)
        n = command.need
        self._run(
            runner,
            command.household_id,
            when,
            lambda ctx: app.identify_need(
                household_id=command.household_id,
                need_id=n.need_id or derived_id(instance.instance_id, "need"),
                category=n.category,
                severity=n.severity,
                department_code=n.department,
                member_id=None,
                note=n.note,
                ctx=ctx,
            ),
        )
        return command.household_id

    def _register(self, xml: bytes, when: datetime | None, household: RegisterHousehold) -> None:
        household_id = household.id
        assert household_id is not None, "the mapper gives every registration its id"
        self._run(
            self.runner(xml, None),
            household_id,
            when,
            lambda ctx: self.application.register_household(
                household_id=household_id,
                ward_id=household.ward_id,
                dwelling_type=household.dwelling_type,
                village=household.village,
                gps=household.gps.model_dump() if household.gps else None,
                field_worker_id=None,
                ctx=ctx,
            ),
        )

    def _attach(
        self, instance: Instance, household_id: UUID, name: str | None, uploads: list[Upload]
    ) -> None:
        """Keep the files the instance names (the consent signature), sealed."""
        files = [
            {
                "name": u.name,
                "content_type": u.content_type,
                "data": base64.b64encode(u.data).decode(),
            }
            for u in uploads
            if u.name == name
        ]
        if not files:
            return
        ctx = CommandContext(
            actor=self.principal.actor, occurred_at=self.clock(), principal=self.principal
        )
        self.application.store_attachments(
            attachments_id=derived_id(instance.instance_id, "attachments"),
            household_id=household_id,
            instance_id=instance.instance_id,
            files=files,
            ctx=ctx,
        )

    def _quarantine(
        self,
        xml: bytes,
        instance: Instance | None,
        command: mapper.Command | None,
        status: int,
        field: str,
        reason: str,
    ) -> Outcome:
        household_id = _household_of(command, instance)
        instance_id = (
            instance.instance_id if instance else f"sha256:{hashlib.sha256(xml).hexdigest()}"
        )
        ctx = CommandContext(actor=self.principal.actor, occurred_at=self.clock())
        # A resend of a kept instanceID with other answers: the first copy stays.
        with contextlib.suppress(AlreadyExists):
            self.application.quarantine_submission(
                quarantine_id=derived_id(f"{self.principal.actor}:{instance_id}", "quarantine"),
                instance_id=instance_id,
                form_id=instance.form_id if instance else "",
                household_id=household_id,
                wards=self._wards(command, household_id),
                xml=xml.decode("utf-8", "replace"),
                field=field,
                reason=reason,
                ctx=ctx,
            )
        return Outcome(status, f"{field}: {reason} (kept for your convener)", field, household_id)

    def _wards(self, command: mapper.Command | None, household_id: UUID | None) -> list[str]:
        """Whose conveners see it: the household's ward, else the submitter's wards."""
        if isinstance(command, Registration):
            return [command.household.ward_id]
        if household_id is not None:
            try:
                return [self.application.get(Household, household_id).ward_id]
            except DomainError:
                pass
        return sorted(Area.of(self.principal).wards)


def _check_version(instance: Instance) -> None:
    """A phone's copy of a form that has changed since is refused (its answers may mean
    something else now); a convener may re-apply it from the quarantine."""
    form = forms().get(instance.form_id)
    if form is not None and instance.version != form.version:
        raise Unreadable(
            "version", f"form version {instance.version!r} is retired: get the current form"
        )


def repeats_of(form_id: str) -> frozenset[str]:
    form = forms().get(form_id)
    return frozenset() if form is None else form.repeats


def _household_of(command: mapper.Command | None, instance: Instance | None) -> UUID | None:
    """The household a refused submission is about (so erasing it erases the kept copy):
    the command's, or when its answers could not be read, the one the instance names."""
    if isinstance(command, Registration):
        return command.household.id
    if isinstance(command, Visit | Need):
        return command.household_id
    named = instance.data.get("household_id") if instance is not None else None
    try:
        return UUID(str(named)) if named is not None else None
    except ValueError:
        return None
