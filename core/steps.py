"""The transition kit: each state machine declares its steps once, and everything else is drawn from it.

A `Machine` names a model's steps: for each, its label, emphasis (primary / secondary / danger, a
danger step with its confirmation text), its input (a Django form: the page shows it, the API parses
its JSON body with it, core.api describes it in the schema), what it needs before it can be taken
(documents attached, fields filled: each `Need` with the reason a page shows while it is unmet) and
the service that takes it. Who may take it stays the transition's permission callable on the model
(django-fsm), where the single service path (core.workflow.run_transition) checks it.

From that one declaration come the generic API view (core.api.StepApi), the generic page view
(core.pages.StepView), the "next steps" panel (`offers`: primary first, each blocked step with its
reasons), the inbox's "waiting for you" rule (`waiting_for`), and the state-machine pictures in docs/
(core.statecharts). `check_transition` is the one public question "may this user take this step of
this object now, and if not, why": nothing reads django-fsm's private metadata.
"""

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models
from django_fsm import FSMFieldMixin, can_proceed, has_transition_perm

from core.exceptions import Conflict
from core.registry import Registry

PRIMARY = "primary"
SECONDARY = "secondary"
DANGER = "danger"
EMPHASES = (PRIMARY, SECONDARY, DANGER)


@dataclass(frozen=True)
class Need:
    """A condition a step needs before it can be taken; `reason` is shown while `met(instance)` is false."""

    reason: Any
    met: Callable[[models.Model], bool]


@dataclass(frozen=True)
class Step:
    """One step of a machine, declared once.

    `form` is a Django form class whose cleaned data are the service's keyword arguments; None when
    the step takes no input. `waiting` puts the object in the inbox of one who may take the step
    (default: the primary steps). `api` / `page` say where the step is offered (a step that needs a
    file, say, is taken on its own page).
    """

    name: str
    label: Any
    emphasis: str = SECONDARY
    confirm: Any = ""
    help: Any = ""
    form: type | None = None
    needs: tuple[Need, ...] = ()
    waiting: bool | Callable[[models.Model], bool] | None = None
    api: bool = True
    page: bool = True
    # Why a user the permission refuses may not take the step, where the law says who decides (立案 is
    # approved by the head of a county-level or higher organ, MPS-2020 art 178): `refusal(instance,
    # user)` returns the reason, or None to keep the step out of that user's sight. A step refused with
    # a reason is shown disabled with it, and the service's 403 says it.
    refusal: Callable[[models.Model, Any], Any] | None = None
    # Whose turn a primary step is, said to one who sees the object but may not take it (issue 20:
    # the step that moves the work on stays in front, disabled with who takes it, rather than a
    # danger step standing alone as if it were the next one): `turn(instance)` returns the text.
    turn: Callable[[models.Model], Any] | None = None

    def __post_init__(self):
        if self.emphasis not in EMPHASES:
            raise ValueError(f"step {self.name!r}: emphasis must be one of {EMPHASES}")
        if self.emphasis == DANGER and not self.confirm:
            raise ValueError(f"step {self.name!r}: a danger step needs its confirmation text")

    @property
    def is_waiting(self) -> bool:
        """Tell whether this step can make an object wait for someone (declared, or a primary step)."""
        return self.emphasis == PRIMARY if self.waiting is None else bool(self.waiting)

    def waits_on(self, instance: models.Model) -> bool:
        """Tell whether an object on which this step is available waits in the inbox for it."""
        if callable(self.waiting):
            return bool(self.waiting(instance))
        return self.is_waiting

    def form_kwargs(self, instance: models.Model) -> dict[str, Any]:
        """Return the keyword arguments the step's form takes (`instance` when it declares takes_instance)."""
        return {"instance": instance} if getattr(self.form, "takes_instance", False) else {}

    def unmet(self, instance: models.Model) -> list[Any]:
        """Return the reasons this step cannot yet be taken on `instance` (empty when it can)."""
        return [need.reason for need in self.needs if not need.met(instance)]


class Availability(enum.Enum):
    AVAILABLE = "available"
    BLOCKED = "blocked"  # the state allows it and the user may, but something it needs is missing
    NOT_ALLOWED = "not_allowed"  # the state allows it, the user may not (403)
    UNAVAILABLE = "unavailable"  # not from this state, or its conditions fail (409)


def reasons_text(reasons) -> str:
    """Join a check's reasons into the one message a refusal carries."""
    return " ".join(str(reason) for reason in reasons)


@dataclass(frozen=True)
class Check:
    """The answer of check_transition: may the user take the step now, and if not, why."""

    name: str
    status: Availability
    reasons: tuple[Any, ...] = ()

    @property
    def available(self) -> bool:
        return self.status is Availability.AVAILABLE

    @property
    def refused(self) -> bool:
        """Tell whether the service would answer 403 (the step is open, just not to this user)."""
        return self.status is Availability.NOT_ALLOWED


@cache
def _transition_fields(model: type[models.Model]) -> dict[str, str]:
    """Map each transition name of `model` to the name of the state field it moves."""
    names: dict[str, str] = {}
    for model_field in model._meta.get_fields():
        if isinstance(model_field, FSMFieldMixin):
            for transition in model_field.get_all_transitions(model):
                names.setdefault(transition.name, model_field.name)
    return names


def transition_names(model: type[models.Model]) -> list[str]:
    """Return the names of every transition of `model` (all its state fields)."""
    return list(_transition_fields(model))


def state_field_of(model: type[models.Model], name: str) -> str:
    """Return the state field transition `name` of `model` moves; ValueError for no such transition."""
    try:
        return _transition_fields(model)[name]
    except KeyError:
        raise ValueError(f"{model.__name__} has no transition {name!r}") from None


def check_transition(instance: models.Model, name: str, user) -> Check:
    """Tell whether `user` may take transition `name` of `instance` now, and if not, why.

    UNAVAILABLE when the transition does not leave the current state or its conditions fail (the
    service answers 409), NOT_ALLOWED when it does but the permission callable refuses this user
    (403; with the step's `refusal` reason when it gives one), BLOCKED when a step of the object's
    machine needs something still missing (the reasons say what), AVAILABLE otherwise. ValueError for
    a name that is no transition of the model.
    """
    state_field_of(type(instance), name)
    method = getattr(instance, name)
    if not can_proceed(method):
        return Check(name, Availability.UNAVAILABLE)
    machine = machines.get(_label(type(instance)))
    step = machine.step(name) if machine else None
    if not has_transition_perm(method, user):
        reason = step.refusal(instance, user) if step is not None and step.refusal is not None else None
        return Check(name, Availability.NOT_ALLOWED, (reason,) if reason else ())
    reasons = tuple(step.unmet(instance)) if step else ()
    if reasons:
        return Check(name, Availability.BLOCKED, reasons)
    return Check(name, Availability.AVAILABLE)


def refuse_unmet_needs(instance: models.Model, name: str) -> None:
    """Raise Conflict naming what is missing when a declared step's needs are not met (the service path)."""
    machine = machines.get(_label(type(instance)))
    step = machine.step(name) if machine else None
    if step is None:
        return
    reasons = step.unmet(instance)
    if reasons:
        state = getattr(instance, state_field_of(type(instance), name))
        raise Conflict(reasons_text(reasons), current_state=state, code="step_blocked")


@dataclass
class Offer:
    """A step as the "next steps" panel shows it: enabled, or disabled with its reasons."""

    step: Step
    check: Check
    form: Any = None
    url: str = ""

    @property
    def name(self) -> str:
        return self.step.name

    @property
    def label(self) -> Any:
        return self.step.label

    @property
    def enabled(self) -> bool:
        return self.check.available

    @property
    def reasons(self) -> tuple[Any, ...]:
        return self.check.reasons


Runner = Callable[..., Any]


class Machine:
    """The steps of one model's state machine and the service that takes them.

    `run(instance, name, *, by, expected_state, **values)` is the app's service for a step (it goes
    through core.workflow.run_transition). `state_field` is the machine's state field.
    """

    def __init__(
        self,
        model: type[models.Model],
        steps: Sequence[Step],
        *,
        run: Runner,
        state_field: str | None = None,
        object_type: str = "",
        inbox_kinds: Sequence[str] | Callable[[], Sequence[str]] | None = None,
        inbox_object: Callable[[models.Model], tuple[str, str]] | None = None,
    ):
        self.model = model
        self.run = run
        self.object_type = object_type or _label(model)
        # The inbox kinds that list this machine's waiting objects, and how an item names the object
        # (a recipient's answer is listed under its bulletin, say). None: not yet declared.
        self._inbox_kinds = inbox_kinds
        self.inbox_object = inbox_object or (lambda instance: (self.object_type, str(instance.pk)))
        self._steps = {step.name: step for step in steps}
        if len(self._steps) != len(steps):
            raise ValueError(f"{model.__name__}: a step is declared twice")
        known = set(transition_names(model))
        unknown = set(self._steps) - known
        if unknown:
            raise ValueError(f"{model.__name__}: steps {sorted(unknown)} are no transitions of the model")
        # The field the steps move (a normative document's is `status`), unless named.
        self.state_field = state_field or (state_field_of(model, steps[0].name) if steps else "state")

    @property
    def inbox_kinds(self) -> tuple[str, ...] | None:
        """Return the inbox kinds that list this machine's waiting objects (None: not declared).

        A callable is asked each time: apps above the machine's own may add listings at start-up.
        """
        kinds = self._inbox_kinds() if callable(self._inbox_kinds) else self._inbox_kinds
        return tuple(kinds) if kinds is not None else None

    def __repr__(self) -> str:
        return f"<Machine {self.object_type}: {', '.join(self._steps)}>"

    @property
    def steps(self) -> list[Step]:
        return list(self._steps.values())

    def step(self, name: str) -> Step | None:
        return self._steps.get(name)

    def names(self, *, api: bool | None = None, page: bool | None = None) -> list[str]:
        return [
            step.name
            for step in self._steps.values()
            if (api is None or step.api == api) and (page is None or step.page == page)
        ]

    def check(self, instance: models.Model, name: str, user) -> Check:
        return check_transition(instance, name, user)

    def offers(self, instance: models.Model, user, *, page: bool = True) -> list[Offer]:
        """Return the steps to show this user on `instance`: available or blocked, primary first.

        A step the state does not allow, or the user may not take, is not offered at all, unless its
        `refusal` gives this user a reason: then it is shown disabled with it.
        """
        offers = []
        for step in self._steps.values():
            if page and not step.page:
                continue
            check = check_transition(instance, step.name, user)
            shown = check.status in (Availability.AVAILABLE, Availability.BLOCKED) or (
                check.status is Availability.NOT_ALLOWED and check.reasons
            )
            if shown:
                offers.append(Offer(step=step, check=check))
        if offers and not any(offer.step.emphasis == PRIMARY for offer in offers):
            offers.extend(self._turns(instance, user, page=page))
        order = {PRIMARY: 0, SECONDARY: 1, DANGER: 2}
        # Enabled before blocked within an emphasis: what can be done now comes first.
        offers.sort(key=lambda offer: (order[offer.step.emphasis], not offer.enabled))
        return offers

    def _turns(self, instance: models.Model, user, *, page: bool) -> list[Offer]:
        """Return the open primary steps that are someone else's, disabled with whose turn they are.

        Offered to a user who has only secondary or danger steps here, so that the panel opens with
        the step that moves the work on instead of a refusal or a dispute.
        """
        turns = []
        for step in self._steps.values():
            if step.emphasis != PRIMARY or step.turn is None or (page and not step.page):
                continue
            check = check_transition(instance, step.name, user)
            if check.status is not Availability.NOT_ALLOWED:
                continue
            reason = step.turn(instance)
            if reason:
                turns.append(Offer(step=step, check=Check(step.name, Availability.NOT_ALLOWED, (reason,))))
        return turns

    def available(self, instance: models.Model, user, *, api: bool | None = None) -> list[str]:
        """Return the names of the steps `user` may take on `instance` now, in declaration order."""
        return [
            step.name
            for step in self._steps.values()
            if (api is None or step.api == api) and check_transition(instance, step.name, user).available
        ]

    def waiting_for(self, instance: models.Model, user) -> bool:
        """Tell whether `instance` waits for `user`: a step marked waiting is available to them now."""
        return any(
            step.waits_on(instance) and check_transition(instance, step.name, user).available
            for step in self._steps.values()
        )

    def take(
        self,
        instance: models.Model,
        name: str,
        *,
        by,
        values: dict[str, Any] | None = None,
        expected_state: str | None = None,
    ):
        """Take step `name` of `instance` for `by` through the app's service."""
        if name not in self._steps:
            raise ValueError(f"{self.model.__name__} has no step {name!r}")
        return self.run(instance, name, by=by, expected_state=expected_state, **(values or {}))


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


machines: Registry[str, Machine] = Registry("workflow machines")


def register_machine(machine: Machine) -> Machine:
    """Register a machine under its model's label (each app does this from AppConfig.ready())."""
    return machines.add(_label(machine.model), machine)


def machine_for(model_or_instance) -> Machine | None:
    model = model_or_instance if isinstance(model_or_instance, type) else type(model_or_instance)
    return machines.get(_label(model))
