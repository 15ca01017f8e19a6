"""The web app for case officers and managers (GOV.UK Design System) and its JSON API.

An edge: reads the environment and the clock; may import `bootstrap`, `scheduler`,
`letters` and `workflow`, never `cli`.
"""
