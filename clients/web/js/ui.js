// ui.js: DOM helpers. Data never goes through innerHTML: text is set with textContent (h()
// puts strings in text nodes), attributes with setAttribute, so nothing a member writes can
// become markup.
import { t } from './i18n.js';

// h('a', {href: '#/'}, 'text', child...) -> an element. Attributes: 'class', 'for', 'on'
// ({click: fn}), booleans (true sets the attribute, false or null leaves it out), anything
// else as text. Children: strings, numbers, nodes, arrays of those; null and false skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name === 'on') {
      for (const [event, fn] of Object.entries(value)) {
        el.addEventListener(event, fn);
      }
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(el, child);
    } else if (child instanceof Node) {
      el.appendChild(child);
    } else {
      el.appendChild(document.createTextNode(String(child)));
    }
  }
}

export function clear(el) {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
  return el;
}

// Says @message to screen readers through the page's aria-live region.
export function announce(message) {
  const live = document.getElementById('live');
  if (live) {
    live.textContent = '';
    // A new text node after the clearing makes the same message be read again.
    window.setTimeout(() => {
      live.textContent = message;
    }, 50);
  }
}

// Moves the focus to the screen's heading (after navigation), or to @el.
export function focusFirst(el) {
  const target = el || document.querySelector('main h1');
  if (target) {
    if (!target.hasAttribute('tabindex')) {
      target.setAttribute('tabindex', '-1');
    }
    target.focus();
  }
}

let fieldCounter = 0;

// A labelled form field: field({label, name, type, required, value, hint, options}).
// <select> when options ([{value, label}]) are given, <textarea> for type 'textarea'. The
// field's error slot (role=alert) is filled by showFieldError.
export function field(spec) {
  fieldCounter += 1;
  const id = `f-${spec.name}-${fieldCounter}`;
  const errorId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const common = {
    id,
    name: spec.name,
    required: spec.required || false,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
  };
  let control;
  if (spec.options) {
    control = h('select', common, spec.options.map((opt) =>
      h('option', { value: opt.value, selected: opt.value === spec.value }, opt.label)));
  } else if (spec.type === 'textarea') {
    control = h('textarea', { ...common, rows: spec.rows || 3, maxlength: spec.maxlength || null });
    control.value = spec.value || '';
  } else {
    control = h('input', {
      ...common,
      type: spec.type || 'text',
      autocomplete: spec.autocomplete || null,
      min: spec.min || null,
      max: spec.max || null,
      minlength: spec.minlength || null,
      maxlength: spec.maxlength || null,
      inputmode: spec.inputmode || null,
    });
    if (spec.value !== undefined && spec.value !== null) {
      control.value = spec.value;
    }
  }
  return h('div', { class: 'field', 'data-field': spec.path || `/${spec.name}` },
    h('label', { for: id }, spec.label),
    spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null,
    control,
    h('p', { class: 'field-error', id: errorId }));
}

// Shows an API error in @form: next to the field whose data-field is the problem's path
// (errors[0].path), otherwise in the form's summary. Focuses the field in error.
export function showFormError(form, error) {
  clearFormErrors(form);
  const message = error.detail || t('error.generic');
  const path = error.path || '';
  const holder = path ? form.querySelector(`[data-field="${CSS.escape(path)}"]`) : null;
  if (holder) {
    const slot = holder.querySelector('.field-error');
    slot.textContent = message;
    const control = holder.querySelector('input, select, textarea');
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }
  const summary = form.querySelector('.form-error');
  if (summary) {
    summary.textContent = holder ? '' : message;
    if (!holder) {
      summary.focus();
    }
  }
  announce(message);
}

export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
  const summary = form.querySelector('.form-error');
  if (summary) {
    summary.textContent = '';
  }
}

// The form-level error slot: role=alert so a new text is read at once.
export function formError() {
  return h('p', { class: 'form-error', role: 'alert', tabindex: '-1' });
}

// Disables @button while @work runs; returns its result.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// A status badge: the class says the colour, the text says the status (never colour only).
export function statusBadge(status) {
  return h('span', { class: `badge badge-${status}` }, t(`status.${status}`));
}

// A block saying what went wrong while loading a screen.
export function errorBlock(error) {
  return h('p', { class: 'notice notice-error', role: 'alert' },
    error.status === 404 ? t('error.not_found') : (error.detail || t('error.generic')));
}
