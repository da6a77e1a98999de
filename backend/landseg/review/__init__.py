"""The review loop: layers a person reviewed turned into training labels, and how well the
review priority finds the model's mistakes."""
