"""Classroom: share links, code export, class mode for students and teachers, handwriting."""
