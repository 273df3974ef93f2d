/** Fields shared by the forced password change and the personal centre. */

import { t } from '../core/i18n.js';

/** The server's rule: 8 to 72 bytes, not the username, not the default password. */
export function passwordFields() {
  return [
    { name: 'current_password', label: t('password.current'), type: 'password', required: true, autocomplete: 'current-password' },
    {
      name: 'new_password',
      label: t('password.new'),
      type: 'password',
      required: true,
      autocomplete: 'new-password',
      hint: t('password.rule'),
      validate: (value, values) => {
        const size = new TextEncoder().encode(value).length;
        if (size < 8 || size > 72) return t('password.ruleLength');
        if (value === values.current_password) return t('password.sameAsOld');
        if (value === 'admin123') return t('password.ruleDefault');
        return null;
      },
    },
    { name: 'confirm_password', label: t('password.confirm'), type: 'password', required: true, autocomplete: 'new-password', validate: (value, values) => (value !== values.new_password ? t('password.mismatch') : null) },
  ];
}
