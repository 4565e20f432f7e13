"""English and maths decisions and professional judgements: the dated, append-only decision record per subject
(mandatory, opted in, opted out, exempt, withdrawn; a mistake is superseded, never edited), a tutor's judgement of
a level beside the bksb result (never over it) with its privately stored file, and the one selector the funding
flags and the ILR cross-check read (record.latest_decisions). Screens in decisions/views/. May import api, models
and config.
"""
