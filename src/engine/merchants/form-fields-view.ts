/**
 * The payment form's fields (PayKeeper 4.5/5.2): the six every organization starts with, as
 * code; a `form_fields` row holds an organization's change to one of them. `sum` is the
 * payment's amount and is never changed.
 */
export const formFieldKinds = ['sum', 'clientid', 'orderid', 'text', 'phone', 'email', 'bool'] as const;
export type FormFieldKind = (typeof formFieldKinds)[number];

export type FormField = {
  name: string;
  displayedName: string;
  placeholder: string;
  required: boolean;
  enabled: boolean;
  kind: FormFieldKind;
  /** 0 to `formFieldOrderMax`, ascending. */
  order: number;
};

export const formFieldOrderMax = 10_000;
export const formFieldTextMax = 256;
/** The field nobody may change. */
export const lockedFormField = 'sum';

export const defaultFormFields: readonly FormField[] = [
  {
    name: 'sum',
    displayedName: 'Сумма',
    placeholder: '',
    required: true,
    enabled: true,
    kind: 'sum',
    order: 10,
  },
  {
    name: 'clientid',
    displayedName: 'Фамилия Имя Отчество',
    placeholder: '',
    required: false,
    enabled: true,
    kind: 'clientid',
    order: 20,
  },
  {
    name: 'orderid',
    displayedName: 'Номер заказа',
    placeholder: '',
    required: false,
    enabled: true,
    kind: 'orderid',
    order: 30,
  },
  {
    name: 'service_name',
    displayedName: 'Наименование услуги',
    placeholder: '',
    required: false,
    enabled: true,
    kind: 'text',
    order: 40,
  },
  {
    name: 'client_email',
    displayedName: 'E-mail',
    placeholder: '',
    required: false,
    enabled: true,
    kind: 'email',
    order: 50,
  },
  {
    name: 'client_phone',
    displayedName: 'Телефон',
    placeholder: '',
    required: false,
    enabled: true,
    kind: 'phone',
    order: 60,
  },
];

export const isFormFieldKind = (value: string): value is FormFieldKind =>
  (formFieldKinds as readonly string[]).includes(value);

/** What 5.2 changes of a field: whatever is given. */
export type FormFieldChange = Partial<Omit<FormField, 'name'>>;
