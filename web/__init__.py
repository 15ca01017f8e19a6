"""The web app for case officers and managers (GOV.UK Design System) and its JSON API."""
