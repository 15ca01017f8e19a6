"""Letters that leave the engine through GOV.UK Notify: their dispatch records, the postal
PDF Notify prints, and its check. May import `workflow` and the rest of `letters`.
"""
