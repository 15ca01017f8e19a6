// Start GOV.UK Frontend's components. A module file, not inline script, so the
// content security policy can forbid inline script altogether.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
