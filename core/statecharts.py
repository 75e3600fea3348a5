"""Pictures of state machines drawn from the models themselves, so the docs cannot drift.

`state_machine_markdown(Case)` gives a Mermaid state diagram and a table of the transitions with
their sources, targets and permission callables; `manage.py state_machine_docs` writes it to
docs/state-machines/ and `--check` fails when the committed file is out of date.
"""

import inspect
from dataclasses import dataclass

from django.db import models
from django.utils import translation
from django_fsm import FSMFieldMixin


def _field(model: type[models.Model], field_name: str) -> FSMFieldMixin:
    field = model._meta.get_field(field_name)
    if not isinstance(field, FSMFieldMixin):
        raise ValueError(f"{model.__name__}.{field_name} is not a state field")
    return field


def _first_line(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.splitlines()[0] if doc else ""


@dataclass(frozen=True)
class Edge:
    """One arrow of the machine: a transition whose target a RETURN_VALUE may choose is one per target."""

    name: str
    source: str
    target: str
    method: object
    permission: object


def _targets(target) -> list[str]:
    # RETURN_VALUE(a, b): the method returns which of its allowed states it goes to.
    allowed = getattr(target, "allowed_states", None)
    return [str(state) for state in allowed] if allowed else [str(target)]


def transitions_of(model: type[models.Model], field_name: str = "state") -> list[Edge]:
    """Return the model's transitions, one per (name, source, target), in declaration order of the states."""
    field = _field(model, field_name)
    order = {value: index for index, (value, _) in enumerate(field.choices)}
    found = [
        Edge(t.name, str(t.source), target, t.method, t.permission)
        for t in field.get_all_transitions(model)
        for target in _targets(t.target)
    ]
    return sorted(found, key=lambda t: (order.get(t.source, -1), order.get(t.target, -1), t.name))


def mermaid_state_diagram(model: type[models.Model], field_name: str = "state") -> str:
    """Return a Mermaid stateDiagram-v2 of the machine: initial state, transitions, final states."""
    field = _field(model, field_name)
    transitions = transitions_of(model, field_name)
    sources = {t.source for t in transitions}
    lines = ["stateDiagram-v2", f"    [*] --> {field.get_default()}"]
    lines += [f"    {t.source} --> {t.target}: {t.name}" for t in transitions]
    lines += [f"    {value} --> [*]" for value, _ in field.choices if value not in sources]
    return "\n".join(lines)


def state_machine_markdown(model: type[models.Model], field_name: str = "state") -> str:
    """Return the Markdown page of a machine: the diagram, the states, the transitions table."""
    with translation.override("en"):
        return _state_machine_markdown(model, field_name)


def _state_machine_markdown(model: type[models.Model], field_name: str) -> str:
    field = _field(model, field_name)
    name = model._meta.verbose_name
    lines = [
        f"# State machine: {model.__name__}",
        "",
        f"Generated from `{model.__module__}.{model.__name__}.{field_name}` by "
        "`manage.py state_machine_docs`; do not edit by hand.",
        "",
        "```mermaid",
        mermaid_state_diagram(model, field_name),
        "```",
        "",
        f"## States of a {name}",
        "",
        "| state | label |",
        "| --- | --- |",
    ]
    lines += [f"| `{value}` | {label} |" for value, label in field.choices]
    lines += [
        "",
        "## Transitions",
        "",
        "| transition | from | to | who may take it | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for t in transitions_of(model, field_name):
        permission = t.permission
        who = f"`{permission.__name__}`: {_first_line(permission)}".rstrip(": ") if permission else "anyone"
        lines.append(f"| `{t.name}` | `{t.source}` | `{t.target}` | {who} | {_first_line(t.method)} |")
    lines += _steps_table(model)
    return "\n".join(lines) + "\n"


def _steps_table(model: type[models.Model]) -> list[str]:
    """Return the section that shows the machine's step declarations (core.steps), if it has one."""
    from core.steps import machine_for

    machine = machine_for(model)
    if machine is None:
        return []
    lines = [
        "",
        "## Steps as officers see them",
        "",
        f"Declared once in `{_declared_in(machine)}`; the pages, the API, the next-steps panel and the",
        "inbox are drawn from it.",
        "",
        "| step | label | 中文 | emphasis | input | needs first | waiting in the inbox |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step in machine.steps:
        with translation.override("zh-hans"):
            chinese = str(step.label)
        fields = ", ".join(f"`{name}`" for name in step.form.base_fields) if step.form else "none"
        needs = "; ".join(str(need.reason) for need in step.needs) or "—"
        emphasis = step.emphasis + (f" (asks: {step.confirm})" if step.confirm else "")
        where = {
            (True, True): "",
            (False, True): " (page only)",
            (True, False): " (API only)",
            (False, False): " (taken by a service, not offered)",
        }[(step.api, step.page)]
        lines.append(
            f"| `{step.name}`{where} | {step.label} | {chinese} | {emphasis} | {fields} | {needs} | "
            f"{_waiting_text(step)} |"
        )
    return lines


def _waiting_text(step) -> str:
    if callable(step.waiting):
        return f"yes, if: {_first_line(step.waiting)}"
    return "yes" if step.is_waiting else "no"


def _declared_in(machine) -> str:
    run = machine.run
    module = getattr(run, "__module__", "") or ""
    return module.replace(".", "/") + ".py" if module else "core.steps"
