package dev.tern.protocol;

/**
 * Whether the server has room for more mail, asked at MAIL FROM so that a client hears
 * {@code 452 4.3.1} before it sends a message rather than after (as Postfix does with
 * {@code queue_minfree}). How space is measured is the server's business, not the dialogue's.
 */
public interface StorageSpace {

    /** Never low: for tests, and for servers that do not check. */
    StorageSpace UNLIMITED = new StorageSpace() {
        @Override
        public boolean low() {
            return false;
        }

        @Override
        public boolean roomFor(long octets) {
            return true;
        }
    };

    /** Free space is below the reserve the server keeps: no new transaction now. */
    boolean low();

    /** A message of {@code octets} (a MAIL SIZE= declaration, RFC 1870) would still leave the reserve free. */
    boolean roomFor(long octets);
}
